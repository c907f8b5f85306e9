export { TokenBucket, type TokenBucketInit } from './token-bucket.js'
