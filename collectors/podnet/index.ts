export {
  createPodAddressBook,
  DEFAULT_ADDRESS_MAX_AGE_MS,
  type AddressOwner,
  type NetnsPid,
  type PodAddressBook,
  type PodAddressBookConfig,
  type RefreshStats,
} from './address-book.js';
export { normalizeIp, parseFibTrieLocal, parseIfInet6 } from './parse.js';
