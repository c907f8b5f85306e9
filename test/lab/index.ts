export { BoxProcess } from './box-process.ts'
export type { LogLine, LogMatcher } from './box-process.ts'
export { LabError } from './errors.ts'
export type { LabErrorCode } from './errors.ts'
export { createLab, Lab, REPO_ROOT, NODE_BIN, KIEZ_BIN, KIEZ_BUNDLE } from './lab.ts'
export type { LabInit, StartOptions, ExecOptions } from './lab.ts'
export { cleanupStale, labSkipReason, labAvailable, labAvailable as available, listNamespaces, run } from './netns.ts'
export type { RunResult } from './netns.ts'
export {
  line,
  ring,
  star,
  grid,
  tree,
  streets,
  topology,
  TOPOLOGIES,
  validateSpec,
  computeRoutes,
  boxAddress,
  linkSubnet,
  linkIfName,
  linksOf,
  MAX_BOXES,
  MAX_LINKS
} from './topology.ts'
export type { LabSpec, LinkMode, Route, TopologyName } from './topology.ts'
