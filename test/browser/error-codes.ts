// Checked by `npm run typecheck` only: the page spells out the error codes it can be sent
// (it imports no package), so every code of the gateway and of the daemon behind it must be among them.
import type { GatewayErrorCode } from '@kiez/gateway'
import type { ApiErrorCode as DaemonApiErrorCode } from '@kiez/daemon'
import type { ApiErrorCode as PageErrorCode } from '../../packages/web/src/api.js'

type Covered<T extends PageErrorCode> = T
export type CodesThePageKnows = Covered<GatewayErrorCode | DaemonApiErrorCode>
