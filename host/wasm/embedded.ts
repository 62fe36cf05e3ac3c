// The release modules, embedded: importing this file lets verifiers be made without
// awaiting loadModule first (the Primary, the Secondary, the CLI and the tests do). The
// package's verifier entry does not import it, so a partial ECU loads partial.wasm alone.
import { fullWasmBase64 } from "../../build/full-wasm.ts";
import { partialWasmBase64 } from "../../build/partial-wasm.ts";
import { partialP256WasmBase64 } from "../../build/partial-p256-wasm.ts";
import { fullEncWasmBase64 } from "../../build/full-enc-wasm.ts";
import { partialEncWasmBase64 } from "../../build/partial-enc-wasm.ts";
import { provideEmbeddedModule } from "./module.ts";

provideEmbeddedModule("full", fullWasmBase64);
provideEmbeddedModule("partial", partialWasmBase64);
provideEmbeddedModule("partial-p256", partialP256WasmBase64);
provideEmbeddedModule("full-enc", fullEncWasmBase64);
provideEmbeddedModule("partial-enc", partialEncWasmBase64);
