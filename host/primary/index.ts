// The Primary ECU's public surface.
export { Primary, provisionPrimary, imagePath, type PrimaryConfig, type CycleResult, type CycleStep } from "./primary.ts";
export { provisionPrimaryFromFactory, type FactoryLoad, type PrimaryIdentity, type Provisioned } from "./factory-provisioning.ts";
export { MappedFetcher, storedServerUrls, type ServerUrls } from "./mapped-fetcher.ts";
export { parseFactoryBundle, encodeFactoryBundle, type FactoryBundle } from "../../model/factory-bundle.ts";
export { HttpFetcher, type Fetcher, type FetchRequest, type TlsClientOptions } from "./fetcher.ts";
export { MemoryFetcher } from "./memory-fetcher.ts";
export { FileStore, MemoryStore, type Store } from "./store.ts";
export { SoftwareKeyStore, type KeyStore } from "./keystore.ts";
export { InProcessLink, type SecondaryLink, type SecondaryEndpoint, type VerificationMode } from "./secondary-link.ts";
export type { MetadataBundle, RepositoryBundle } from "../../model/metadata-bundle.ts";
export { DEFAULT_RETRIEVAL_POLICY, type RetrievalPolicy } from "./slow-retrieval.ts";
export { DEFAULT_METADATA_CAPS, type MetadataCaps } from "./repository-download.ts";
export { TransportError, NotFoundError, SlowRetrievalError, OversizedResponseError } from "./errors.ts";
export type { PrimaryVerifier, VerifierFactory } from "./verifier-port.ts";
