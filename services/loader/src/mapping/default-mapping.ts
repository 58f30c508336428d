// The declarations live in packages/common: the admin API provisions Zendesk from the same mapping.
export {
  type ContactMapping,
  DEFAULT_MAPPING,
  type DeletePolicy,
  type EntityMapping,
  type LoaderMapping,
  type MappedObjectType,
  type ZendeskObjectType,
} from '@mlc/common/zendesk-mapping';
