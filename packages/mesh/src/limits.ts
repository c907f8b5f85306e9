/**
 * Every resource limit of a Kiez node in one place. The reason for each
 * number is in docs/LIMITS.md; change both together.
 */
export const LIMITS = {
  connectionManager: {
    maxConnections: 64,
    maxParallelDials: 16,
    maxDialQueueLength: 128,
    maxPeerAddrsToDial: 8,
    dialTimeout: 10_000,
    addressDialTimeout: 4_000,
    inboundConnectionThreshold: 30,
    maxIncomingPendingConnections: 16,
    inboundUpgradeTimeout: 5_000
  },
  /** Kiez's own: half-open upgrades per remote host (InboundGate), a quarter of maxIncomingPendingConnections */
  inbound: {
    maxPendingPerHost: 4
  },
  peerStore: {
    // LAN neighbours keep their addresses for weeks; libp2p's 1 h default would
    // forget them across an overnight power cut.
    maxAddressAge: 14 * 24 * 3600_000,
    maxPeerAge: 30 * 24 * 3600_000
  },
  streams: {
    identify: { maxInboundStreams: 4, maxOutboundStreams: 4 },
    identifyPush: { maxInboundStreams: 4, maxOutboundStreams: 4 },
    ping: { maxInboundStreams: 4, maxOutboundStreams: 4 },
    dht: { maxInboundStreams: 16, maxOutboundStreams: 16 },
    gossipsub: { maxInboundStreams: 4, maxOutboundStreams: 4 }
  },
  gossipsub: {
    maxInboundDataLength: 256 * 1024,
    maxOutboundBufferSize: 4 * 1024 * 1024
  },
  yamux: {
    maxInboundStreams: 40,
    maxOutboundStreams: 64,
    maxEarlyStreams: 10,
    maxMessageSize: 64 * 1024,
    maxReadBufferLength: 4 * 1024 * 1024
  },
  discoveryDial: {
    concurrency: 4,
    maxQueued: 64,
    minRetryMs: 10_000
  },
  redial: {
    concurrency: 4,
    baseMs: 1_000,
    capMs: 5 * 60_000,
    maxTracked: 256
  },
  ping: {
    maxCount: 100,
    /** per round trip, dial included; `kiez ping --timeout` picks within min..max */
    timeoutMs: 5_000,
    minTimeoutMs: 1_000,
    maxTimeoutMs: 60_000
  }
} as const
