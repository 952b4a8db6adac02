export { nextKid, registerAgentKey, type AgentKeyRegistration, type RegisteredAgentKey } from './agent-key-registration';
export { BundleError } from './bundle-error';
export { approverGroupsOf, Bundle, loadBundle, loadPolicyTests } from './load-bundle';
export { assembleLocalBundle, type LocalBundleOptions, type LocalBundlePaths } from './local-bundle-assembly';
export {
  attestingGates,
  readJsonFile,
  readServiceKeyring,
  readSigningKey,
  readStringMap,
  type AttestingGate,
  type Ed25519PrivateJwk,
  type Ed25519PublicJwk,
  type ServiceKeyring,
  type SigningKey,
} from './local-secret-files';
export { readGateKeys, secretsLayout } from './secrets-layout';
