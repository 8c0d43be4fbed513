import 'reflect-metadata';
import { loadDialerConfig, loadOrExit } from '@voxmail/config';
import { startDialerService } from './bootstrap';

void startDialerService(loadOrExit(() => loadDialerConfig()));
