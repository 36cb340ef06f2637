/**
 * `GET /ws`: the WebSocket transport of the chat service (protocol in ws-protocol.ts, behaviour in
 * socket-hub.ts). The upgrade is an ordinary route, so a bad key or a draining instance is refused with the
 * app's normal error response (401 / 503) before any WebSocket exists.
 *
 * The route upgrades with `server.upgrade(request, { data: connection })` instead of Elysia's `.ws()`: Elysia's
 * server-wide handler forwards socket events to `ws.data.open / message / drain / close`, which the Connection
 * implements, and this keeps the per-socket state to the Connection itself (see connection-state.ts for the
 * measured difference). Bun's socket limits come from `hub.serverOptions`, passed to `app.listen`.
 */
import { Elysia } from 'elysia';
import { AppError } from '../errors';
import { requestContext } from '../http/request-context';
import type { SocketHub } from './socket-hub';

export { createSocketHub, type SocketHub, type SocketHubStats, type ShutdownOptions, type ShutdownReport, type WsDeps } from './socket-hub';
export { DEFAULT_WS_OPTIONS, type WsOptions, type WsServerOptions } from './ws-options';

export function wsRoutes(hub: SocketHub) {
  return new Elysia().get('/ws', ({ request, server, query }) => {
    const key = typeof query.key === 'string' ? query.key : undefined;
    const connection = hub.accept(request, key, server?.requestIP(request)?.address);
    if (!server?.upgrade(request, { data: connection })) {
      throw new AppError('invalid_request', 'GET /ws expects a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket).');
    }
    // Bun owns the connection now; the turn logs (`ws.turn`) replace the per-request log line.
    requestContext(request).logged = true;
    return;
  });
}
