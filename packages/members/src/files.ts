/** Durable writes of the members' files: the one copy lives in @kiez/store, beside the identity key's user in @kiez/mesh. */
export { syncDir, TEMP_SUFFIX, writeFileAtomic } from '@kiez/store'
