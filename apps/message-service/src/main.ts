import 'reflect-metadata';
import { loadMessageConfig, loadOrExit } from '@voxmail/config';
import { startMessageService } from './bootstrap';

void startMessageService(loadOrExit(() => loadMessageConfig()));
