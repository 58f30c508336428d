// Shared with the admin API (provisioning reads the same effective mapping): see packages/common.
export { type MappingOverride, resolveTenantMapping } from '@mlc/common/zendesk-mapping';
