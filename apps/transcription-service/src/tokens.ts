import { serviceEntry } from '@voxmail/contracts';

export const TRANSCRIPTION_SCHEMA = serviceEntry('transcription').schema;
export const TRANSCRIPTION_CONFIG = Symbol('TRANSCRIPTION_CONFIG');
export const TRANSCRIPTION_ENGINE = Symbol('TRANSCRIPTION_ENGINE');
