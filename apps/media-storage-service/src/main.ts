import 'reflect-metadata';
import { loadMediaConfig, loadOrExit } from '@voxmail/config';
import { startMediaService } from './bootstrap';

void startMediaService(loadOrExit(() => loadMediaConfig()));
