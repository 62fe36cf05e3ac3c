// What the simulator measures per ECU, without changing what is measured: wall-clock
// time the Primary spends inside its verification module (a Secondary counts its own, in
// `ecu.stats`), and, per Secondary link, the application bytes and simulated bus time its
// exchanges took (from the SecondaryClient's counters). The wrappers pass every call and
// every verdict through unchanged.
import type { CanSecondaryLink } from "../../host/ecu/can-secondary-link.ts";
import { SecondaryRefusedError } from "../../host/ecu/secondary-client.ts";
import type { SecondaryLink, VerificationMode } from "../../host/primary/secondary-link.ts";
import type { ImageCheck, PrimaryVerifier, VerifierFactory } from "../../host/primary/verifier-port.ts";
import type { VerifiedTarget } from "../../model/verification.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";

/** Accumulated milliseconds of the calls it timed. */
export class Stopwatch {
  ms = 0;
  time<T>(fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.ms += performance.now() - start;
    }
  }
}

function timedCheck(check: ImageCheck, watch: Stopwatch): ImageCheck {
  return {
    update: (chunk: Uint8Array) => watch.time(() => check.update(chunk)),
    finish: () => watch.time(() => check.finish()),
  };
}

/** The Primary's module with every verification call timed on `watch`. */
export function timedVerifierFactory(factory: VerifierFactory, watch: Stopwatch): VerifierFactory {
  return (config, state) => {
    const v: PrimaryVerifier = factory(config, state);
    return {
      attestTime: (input) => watch.time(() => v.attestTime(input)),
      update: (director, image, now) => watch.time(() => v.update(director, image, now)),
      imageCheck: (target) => timedCheck(watch.time(() => v.imageCheck(target)), watch),
      setInstalledReleaseCounter: (n) => v.setInstalledReleaseCounter(n),
      provisionTime: (t) => v.provisionTime(t),
      exportState: () => v.exportState(),
    };
  };
}

/** What one Secondary's link saw in one cycle. */
export interface LinkCycle {
  /** Application bytes both ways (UDS requests and responses). */
  bytes: number;
  /** Simulated time the link's exchanges took on its bus, ns. */
  busNs: number;
  /** The Secondary's verdict on the metadata ("Ok" = an image follows), if it got that far. */
  metadata: string | null;
  /** Image sent, verified and installed this cycle. */
  installed: string | null;
  /** The refusal or failure that stopped this Secondary, if any. */
  error: { outcome: string; detail: string } | null;
}

/**
 * The Primary's link to one Secondary, counting bytes and bus time per cycle and keeping
 * why it failed (the Primary records only a message). `inner` is the CAN link, or an
 * attacker wrapped around it (the counters read the CAN link's client underneath).
 */
export class MeasuredLink implements SecondaryLink {
  readonly serial: string;
  readonly verification: VerificationMode;
  cycle: LinkCycle = MeasuredLink.fresh();

  constructor(
    private readonly inner: SecondaryLink,
    private readonly can: CanSecondaryLink,
  ) {
    this.serial = inner.serial;
    this.verification = inner.verification;
  }

  static fresh(): LinkCycle {
    return { bytes: 0, busNs: 0, metadata: null, installed: null, error: null };
  }

  /** Starts counting a new cycle. */
  reset(): void {
    this.cycle = MeasuredLink.fresh();
  }

  versionReport(): Promise<Uint8Array> {
    return this.measure(() => this.inner.versionReport());
  }

  sendTime(attestation: Uint8Array): Promise<void> {
    return this.measure(() => this.inner.sendTime(attestation));
  }

  async sendMetadata(bundle: MetadataBundle): Promise<void> {
    await this.measure(() => this.inner.sendMetadata(bundle));
    this.cycle.metadata = this.can.lastVerdict?.outcome ?? null;
  }

  async sendImage(target: VerifiedTarget, image: Uint8Array): Promise<void> {
    await this.measure(() => this.inner.sendImage(target, image));
    if (this.can.lastVerdict?.outcome !== "NoUpdate") this.cycle.installed = target.name;
  }

  private async measure<T>(fn: () => Promise<T>): Promise<T> {
    const { client } = this.can;
    const bytesBefore = client.stats.bytesSent + client.stats.bytesReceived;
    const busBefore = client.stats.busNs;
    try {
      return await fn();
    } catch (e) {
      this.cycle.error =
        e instanceof SecondaryRefusedError
          ? { outcome: e.outcome ?? "Refused", detail: e.detail || e.message }
          : { outcome: "LinkError", detail: e instanceof Error ? e.message : String(e) };
      throw e;
    } finally {
      this.cycle.bytes += client.stats.bytesSent + client.stats.bytesReceived - bytesBefore;
      this.cycle.busNs += client.stats.busNs - busBefore;
    }
  }
}
