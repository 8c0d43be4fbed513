import 'reflect-metadata';
import { loadGatewayConfig, loadOrExit } from '@voxmail/config';
import { startGateway } from './bootstrap';

void startGateway(loadOrExit(() => loadGatewayConfig())).then((g) => {
  process.stdout.write(`voxmail api-gateway listening on ${g.url}\n`);
});
