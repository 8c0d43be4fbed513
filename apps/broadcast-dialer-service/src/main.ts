import 'reflect-metadata';
import { loadOrExit, loadServiceConfig } from '@voxmail/config';
import { startDialerService } from './bootstrap';

void startDialerService(loadOrExit(() => loadServiceConfig('broadcast-dialer-service')));
