export { TokenBucket, type TokenBucketInit } from './token-bucket.js'
export { BucketTable, type BucketTableInit } from './bucket-table.js'
