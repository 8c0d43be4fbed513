import 'reflect-metadata';
import { loadNotificationConfig, loadOrExit } from '@voxmail/config';
import { startNotificationService } from './bootstrap';

void startNotificationService(loadOrExit(() => loadNotificationConfig()));
