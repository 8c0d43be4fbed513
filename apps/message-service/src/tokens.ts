import { serviceEntry } from '@voxmail/contracts';

export const MESSAGE_SCHEMA = serviceEntry('message').schema;
