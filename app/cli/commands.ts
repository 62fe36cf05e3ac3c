// Every `uptane` subcommand, in the order `uptane --help` lists them.
// Add one import and one entry per command; the command's code lives in its own file.
import type { Command } from "./command.ts";
import { demoCommand } from "./demo.ts";
import { simulateCommand } from "./simulate.ts";
import { initCommand } from "./init.ts";
import { imageAddCommand } from "./image-add.ts";
import { imageWithdrawCommand } from "./image-withdraw.ts";
import { serveCommand } from "./serve.ts";
import { delegateCommand } from "./delegate.ts";
import { supplierInitCommand } from "./supplier-init.ts";
import { supplierDelegationCommand } from "./supplier-delegation.ts";
import { supplierSignCommand } from "./supplier-sign.ts";
import { supplierImportCommand } from "./supplier-import.ts";
import { supplierRemoveCommand } from "./supplier-remove.ts";
import { supplierAccountAddCommand } from "./supplier-account-add.ts";
import { supplierAccountListCommand } from "./supplier-account-list.ts";
import { supplierAccountDisableCommand } from "./supplier-account-disable.ts";
import { supplierSubmissionsCommand } from "./supplier-submissions.ts";
import { supplierApproveCommand } from "./supplier-approve.ts";
import { supplierRejectCommand } from "./supplier-reject.ts";
import { rotateCommand } from "./rotate.ts";
import { directorRotateCommand } from "./director-rotate.ts";
import { offlineCreateCommand } from "./offline-create.ts";
import { backupCommand } from "./backup.ts";
import { auditCommand } from "./audit.ts";
import { restoreCommand } from "./restore.ts";
import { gcCommand } from "./gc.ts";
import { provisionCommand } from "./provision.ts";
import { refreshCommand } from "./refresh.ts";
import { vehicleAddCommand } from "./vehicle-add.ts";
import { vehicleRevokeCommand } from "./vehicle-revoke.ts";
import { vehicleAddEcuCommand, vehicleDecommissionCommand, vehicleRemoveEcuCommand, vehicleReplaceEcuCommand, vehicleReplacePrimaryCommand, vehicleHistoryCommand } from "./vehicle-lifecycle.ts";
import { workshopAccountAddCommand, workshopAccountDisableCommand, workshopAccountListCommand } from "./workshop-account.ts";
import { workshopChangeCommand, workshopShowCommand } from "./workshop-change.ts";
import { fleetCredentialAddCommand, fleetCredentialRevokeCommand } from "./fleet-credential.ts";
import { assignCommand } from "./assign.ts";
import { campaignCommand } from "./campaign.ts";
import { campaignCancelCommand, campaignListCommand, campaignPauseCommand, campaignPromoteCommand, campaignResumeCommand, campaignStatusCommand } from "./campaign-control.ts";
import { alertsAckCommand, alertsCommand, vehicleShowCommand, vehiclesCommand } from "./fleet-lists.ts";
import { ruleAddCommand, ruleListCommand, ruleRemoveCommand } from "./rule.ts";
import { verifyCommand } from "./verify.ts";
import { tufCommand } from "./tuf.ts";
import { userAddCommand, userDisableCommand, userListCommand, userPasswordCommand } from "./user.ts";
import { primaryCycleCommand, primaryInitCommand, primaryInstallOfflineCommand } from "./primary.ts";

export const commands: Command[] = [
  demoCommand,
  simulateCommand,
  initCommand,
  imageAddCommand,
  imageWithdrawCommand,
  serveCommand,
  delegateCommand,
  supplierInitCommand,
  supplierDelegationCommand,
  supplierSignCommand,
  supplierImportCommand,
  supplierRemoveCommand,
  supplierAccountAddCommand,
  supplierAccountListCommand,
  supplierAccountDisableCommand,
  supplierSubmissionsCommand,
  supplierApproveCommand,
  supplierRejectCommand,
  rotateCommand,
  directorRotateCommand,
  offlineCreateCommand,
  backupCommand,
  auditCommand,
  restoreCommand,
  gcCommand,
  refreshCommand,
  vehicleAddCommand,
  vehicleRevokeCommand,
  vehiclesCommand,
  vehicleShowCommand,
  alertsCommand,
  alertsAckCommand,
  vehicleReplaceEcuCommand,
  vehicleReplacePrimaryCommand,
  vehicleAddEcuCommand,
  vehicleRemoveEcuCommand,
  vehicleDecommissionCommand,
  vehicleHistoryCommand,
  workshopAccountAddCommand,
  workshopAccountListCommand,
  workshopAccountDisableCommand,
  workshopChangeCommand,
  workshopShowCommand,
  fleetCredentialAddCommand,
  fleetCredentialRevokeCommand,
  assignCommand,
  campaignCommand,
  provisionCommand,
  campaignListCommand,
  campaignStatusCommand,
  campaignPromoteCommand,
  campaignPauseCommand,
  campaignResumeCommand,
  campaignCancelCommand,
  ruleAddCommand,
  ruleListCommand,
  ruleRemoveCommand,
  userAddCommand,
  userListCommand,
  userDisableCommand,
  userPasswordCommand,
  verifyCommand,
  tufCommand,
  primaryInitCommand,
  primaryCycleCommand,
  primaryInstallOfflineCommand,
];
