import 'reflect-metadata';
import { loadOrExit, loadServiceConfig } from '@voxmail/config';
import { startMessageService } from './bootstrap';

void startMessageService(loadOrExit(() => loadServiceConfig('message-service')));
