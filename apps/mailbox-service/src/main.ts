import 'reflect-metadata';
import { loadMailboxConfig, loadOrExit } from '@voxmail/config';
import { startMailboxService } from './bootstrap';

void startMailboxService(loadOrExit(() => loadMailboxConfig()));
