// What the gateway attaches to a request as it passes through auth.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '@voxmail/contracts';

export type GatewayRequest = FastifyRequest & { actor?: Actor; authToken?: string };
