import 'reflect-metadata';
import { loadOrExit, loadTranscriptionConfig } from '@voxmail/config';
import { startTranscriptionService } from './bootstrap';

void startTranscriptionService(loadOrExit(() => loadTranscriptionConfig()));
