// `uptane-wasm/backend`: an OEM backend in-process (Image repository, Director with its
// inventory database, time server), as `uptane init`, `image add`, `vehicle add`, `assign`,
// `campaign` and `serve` run it; `certifyVehicle` issues a vehicle's TLS client certificate; the supplier portal's accounts and review. Needs better-sqlite3 installed (and @peculiar/x509 with reflect-metadata to issue certificates) (README "Embedding").
export { initBackend } from "./init.ts";
export { serveBackend } from "./serve.ts";
export { close as closeServer } from "./http/server.ts";
export { addImage, delegate, importBundle, rotate, refresh, RepositoryError } from "./image/repository.ts";
export { openDirector } from "./director/part.ts";
export type { Director, EcuRegistration, AssignmentOutcome, CampaignOutcome } from "./director/director.ts";
export { readApiToken } from "./http/api-token.ts";
export { certifyVehicle } from "./tls/vehicle-certificates.ts";
export { addSupplierAccount, disableSupplierAccount, listSupplierAccounts } from "./supplier-portal/accounts.ts";
export { listSubmissions, approveSubmission, rejectSubmission } from "./supplier-portal/submissions.ts";
export { factoryBundle } from "./factory-bundle.ts";
