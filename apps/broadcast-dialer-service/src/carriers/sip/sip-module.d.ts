// Types for the parts of the `sip` package (kirm/sip.js, plain JavaScript) the SIP carrier uses.
declare module 'sip' {
  export interface SipUri {
    schema: string;
    user?: string;
    password?: string;
    host: string;
    port?: number;
    params: Record<string, string | null | undefined>;
    headers: Record<string, string>;
  }
  export interface NameAddr {
    name?: string;
    uri: string;
    params: Record<string, string | null | undefined>;
  }
  export interface Via {
    version?: string;
    protocol?: string;
    host?: string;
    port?: number;
    params: Record<string, string | number | null | undefined>;
  }
  export interface SipHeaders {
    to?: NameAddr;
    from?: NameAddr;
    'call-id'?: string;
    cseq?: { seq: number; method: string };
    via?: Via[];
    contact?: NameAddr[];
    'content-type'?: string;
    'max-forwards'?: number;
    [name: string]: unknown;
  }
  export interface SipMessage {
    method?: string;
    uri?: string;
    version?: string;
    status?: number;
    reason?: string;
    headers: SipHeaders;
    content?: string;
  }
  export interface Remote {
    protocol: string;
    address: string;
    port: number;
  }
  export interface StackOptions {
    port?: number;
    address?: string;
    publicAddress?: string;
    hostname?: string;
    udp?: boolean;
    tcp?: boolean;
    rport?: boolean;
    logger?: {
      send?(m: SipMessage, target: Remote): void;
      recv?(m: SipMessage, remote: Remote): void;
      error?(e: unknown): void;
    };
  }
  export interface Stack {
    send(m: SipMessage, callback?: (rs: SipMessage) => void): void;
    destroy(): void;
    hostname(): string;
  }
  export function create(options: StackOptions, onRequest: (rq: SipMessage, remote: Remote) => void): Stack;
  export function makeResponse(rq: SipMessage, status: number, reason?: string): SipMessage;
  export function parseUri(uri: string): SipUri | undefined;
  export function stringifyUri(uri: SipUri): string;
  export function generateBranch(): string;
}

declare module 'sip/digest' {
  import type { SipMessage } from 'sip';
  export interface DigestContext {
    [k: string]: unknown;
  }
  export function signRequest(
    ctx: DigestContext | null | undefined,
    rq: SipMessage,
    rs?: SipMessage,
    creds?: { user: string; password: string; realm?: string },
  ): DigestContext | null;
}
