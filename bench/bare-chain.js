// Issue 26's yardstick: the hot path's hops written bare, in two processes of their own.
//   node bench/bare-chain.js gateway   node:http, the token checked with jose (the same HS256 JWS and keys
//                                      the gateway verifies), one nats.js request, the JSON reply; a deposit
//                                      streams its audio part to the object store first (a raw chunked PUT to
//                                      a URL presigned by the minio client)
//   node bench/bare-chain.js worker    a raw nats.js queue subscriber running the services' SQL through pg
// Settings come from the environment the bench gives (the gateway's own, plus BARE_*). Each prints one line
// `{"port":N}` / `{"ready":true}` on stdout once it serves, and stops on SIGTERM.
'use strict';
const http = require('node:http');
const { randomBytes } = require('node:crypto');
const { connect } = require('nats');

const SUBJECT = 'voxmail.bench.bare';
const env = process.env;
const send = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};
const fail = (res, status, message) => send(res, status, { status: 'error', error: String(status), message });
const newId = () => randomBytes(16).toString('hex');

async function gateway() {
  const { jwtVerify } = require('jose');
  const { loadGatewayConfig } = require('@voxmail/config');
  const { Client: Minio } = require('minio');
  const busboy = require('busboy');
  const keys = loadGatewayConfig(env).tokenKeys;
  const nc = await connect({ servers: env.NATS_URL, name: 'bench-bare-gateway' });
  const u = new URL(env.S3_ENDPOINT);
  const s3 = new Minio({
    endPoint: u.hostname,
    port: Number(u.port) || 80,
    useSSL: u.protocol === 'https:',
    accessKey: env.S3_ACCESS_KEY,
    secretKey: env.S3_SECRET_KEY,
    region: env.S3_REGION || 'us-east-1',
    pathStyle: true,
  });
  const bucket = env.S3_BUCKET;
  let closing = false;

  const verify = async (token, accountId) => {
    const { payload } = await jwtVerify(
      token,
      (h) => {
        const k = keys.find((key) => key.kid === h.kid);
        if (!k) throw new Error('unknown kid');
        return k.key;
      },
      { algorithms: ['HS256'] },
    );
    if (payload.aud !== 'kazoo' || payload.acc !== accountId) throw new Error('not this account');
    return payload;
  };
  const ask = async (op, args) => {
    const m = await nc.request(SUBJECT, Buffer.from(JSON.stringify({ op, ...args })), { timeout: 10000 });
    return JSON.parse(Buffer.from(m.data).toString());
  };
  const readJson = (req) =>
    new Promise((resolve, reject) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString()));
        } catch (e) {
          reject(e);
        }
      });
      req.on('error', reject);
    });
  // multipart/mixed carries parts shaped as form-data ones: busboy reads it under that name
  const deposit = (req) =>
    new Promise((resolve, reject) => {
      const type = String(req.headers['content-type'] || '').replace(
        /^multipart\/mixed/i,
        'multipart/form-data',
      );
      const bb = busboy({ headers: { ...req.headers, 'content-type': type } });
      let json;
      let stored;
      bb.on('file', (_name, stream, info) => {
        if (json === undefined && info.mimeType === 'application/json') {
          const chunks = [];
          stream.on('data', (c) => chunks.push(c));
          stream.on('end', () => (json = JSON.parse(Buffer.concat(chunks).toString())));
          return;
        }
        // a raw signed PUT (presigned: signing is local), the part piped into it with chunked encoding
        const key = `bench-bare/${newId()}`;
        stored = s3.presignedPutObject(bucket, key, 900).then(
          (url) =>
            new Promise((resolveStored, rejectStored) => {
              let size = 0;
              const put = http.request(
                url,
                { method: 'PUT', headers: { 'content-type': info.mimeType } },
                (r) => {
                  r.resume();
                  r.on('end', () =>
                    r.statusCode === 200
                      ? resolveStored({ key, size })
                      : rejectStored(new Error(`object PUT answered ${r.statusCode}`)),
                  );
                },
              );
              put.on('error', rejectStored);
              stream.on('data', (c) => (size += c.length));
              stream.pipe(put);
            }),
        );
      });
      bb.on('error', reject);
      bb.on('close', () =>
        stored ? stored.then((s) => resolve({ json, ...s }), reject) : reject(new Error('no audio')),
      );
      req.pipe(bb);
    });

  const route = /^\/v2\/accounts\/([0-9a-f]{32})(?:\/vmboxes(?:\/([0-9a-f]{32})(\/messages)?)?)?$/;
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      const m = route.exec(url.pathname);
      if (!m) return fail(res, 404, 'not found');
      const [, accountId, boxId, messages] = m;
      try {
        await verify(String(req.headers['x-auth-token'] || ''), accountId);
      } catch {
        return fail(res, 401, 'invalid or expired auth token');
      }
      const isBoxes = url.pathname.includes('/vmboxes');
      let reply;
      let status = 200;
      if (req.method === 'GET' && !isBoxes) reply = await ask('account', { accountId });
      else if (req.method === 'GET' && messages) reply = await ask('messages', { accountId, boxId });
      else if (req.method === 'PUT' && isBoxes && !boxId) {
        reply = await ask('vmbox.create', { accountId, doc: (await readJson(req)).data });
        status = 201;
      } else if (req.method === 'POST' && boxId && !messages) {
        reply = await ask('vmbox.update', { accountId, boxId, doc: (await readJson(req)).data });
      } else if (req.method === 'PUT' && messages) {
        const d = await deposit(req);
        reply = await ask('deposit', { accountId, boxId, doc: d.json?.data ?? {}, key: d.key, size: d.size });
        status = 201;
      } else return fail(res, 405, 'method not allowed');
      if (reply.error) {
        if (!reply.status || reply.status >= 500) process.stderr.write(`bare-chain: ${reply.error}\n`);
        return fail(res, reply.status || 500, reply.error);
      }
      send(res, status, { data: reply.data, status: 'success', request_id: newId() });
    } catch (e) {
      if (!closing) process.stderr.write(`bare-chain gateway: ${e.stack || e}\n`);
      fail(res, 500, e.message);
    }
  });
  server.keepAliveTimeout = 60000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  process.on('SIGTERM', () => {
    closing = true; // requests the load generator left in flight end with the connection: not worth a line
    nc.close().finally(() => process.exit(0));
  });
}

async function worker() {
  const { Pool } = require('pg');
  // the services' pool size (libs/persistence: 10); named, so the bench counts these backends as the bare chain's
  const pg = new Pool({
    connectionString: env.BARE_DATABASE_URL,
    max: 10,
    application_name: 'voxmail-bench-bare',
  });
  const tx = async (work) => {
    const c = await pg.connect();
    try {
      await c.query('BEGIN');
      const r = await work(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  };
  const outbox = (c, subject, data) =>
    c.query(
      'INSERT INTO bench_floor.mailbox_outbox (id, subject, envelope) VALUES (gen_random_uuid(), $1, $2)',
      [subject, JSON.stringify({ id: newId(), subject, occurred_at: new Date().toISOString(), data })],
    );
  // mailbox-service's AccountsRepository.findActive: every mailbox command reads the account first
  const account = async (accountId) =>
    (await pg.query('SELECT * FROM mailbox.accounts a WHERE a.id = $1 AND a.deleted_at IS NULL', [accountId]))
      .rows[0];
  // VmboxesRepository.findWithAccountDefaults: the box joined with its live account
  const boxWithAccount = async (accountId, boxId) =>
    (
      await pg.query(
        `SELECT b.*, a.doc -> 'max_message_count' AS account_max_message_count, a.tree AS account_tree
           FROM mailbox.vmboxes b JOIN mailbox.accounts a ON a.id = b.account_id AND a.deleted_at IS NULL
          WHERE b.account_id = $1 AND b.id = $2`,
        [accountId, boxId],
      )
    ).rows[0];
  const ops = {
    async account({ accountId }) {
      const a = await account(accountId);
      return a ? { data: { ...a.doc, id: a.id } } : { status: 404, error: 'not found' };
    },
    async messages({ accountId, boxId }) {
      if (!(await boxWithAccount(accountId, boxId))) return { status: 404, error: 'not found' };
      // MessagesRepository.list: the keyset page (one more row than the page tells whether there is a next)
      const { rows } = await pg.query(
        `SELECT m.* FROM message.messages m WHERE m.tenant_id = $1 AND m.vmbox_id = $2 AND m.folder <> 'deleted'
          ORDER BY m.ts DESC, m.id DESC LIMIT 51`,
        [accountId, boxId],
      );
      return { data: rows.slice(0, 50).map((r) => ({ ...r.doc, id: r.id, folder: r.folder })) };
    },
    async 'vmbox.create'({ accountId, doc }) {
      if (!(await account(accountId))) return { status: 404, error: 'not found' };
      const id = newId();
      return tx(async (c) => {
        // Quotas.assertRoom: the per-account advisory lock, the limits, the count
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `voxmail-quota:max_vmboxes:${accountId}`,
        ]);
        await c.query('SELECT doc FROM mailbox.accounts WHERE id = $1', [accountId]);
        await c.query('SELECT count(*)::int AS n FROM bench_floor.mailbox_vmboxes WHERE account_id = $1', [
          accountId,
        ]);
        const { rows } = await c.query(
          `INSERT INTO bench_floor.mailbox_vmboxes (id, account_id, mailbox, owner_id, type, members, doc, pin_hash, pin_failures, locked_until, version)
           VALUES ($1, $2, $3, NULL, 'personal', '{}', $4, NULL, 0, NULL, 1) RETURNING seq, created_at`,
          [id, accountId, String(doc.mailbox), JSON.stringify(doc)],
        );
        await outbox(c, `voxmail.evt.${accountId}.vmbox.created`, { ...doc, id });
        return { data: { ...doc, id, seq: rows[0].seq } };
      });
    },
    async 'vmbox.update'({ accountId, boxId, doc }) {
      if (!(await account(accountId))) return { status: 404, error: 'not found' };
      return tx(async (c) => {
        const { rows } = await c.query(
          'SELECT * FROM bench_floor.mailbox_vmboxes WHERE account_id = $1 AND id = $2 FOR UPDATE',
          [accountId, boxId],
        );
        if (!rows[0]) return { status: 404, error: 'not found' };
        await c.query(
          `UPDATE bench_floor.mailbox_vmboxes SET mailbox = $3, doc = $4, version = version + 1, updated_at = now()
            WHERE account_id = $1 AND id = $2`,
          [accountId, boxId, String(doc.mailbox), JSON.stringify(doc)],
        );
        await outbox(c, `voxmail.evt.${accountId}.vmbox.updated`, { ...doc, id: boxId });
        return { data: { ...doc, id: boxId } };
      });
    },
    async deposit({ accountId, boxId, doc, key, size }) {
      if (!(await boxWithAccount(accountId, boxId))) return { status: 404, error: 'not found' };
      const id = newId();
      const full = { ...doc, media_id: id, length: Math.round((size / 16000) * 1000) };
      return tx(async (c) => {
        await c.query(
          `INSERT INTO bench_floor.message_box_counters AS b (tenant_id, vmbox_id, new_count) VALUES ($1, $2, 1)
           ON CONFLICT (tenant_id, vmbox_id) DO UPDATE SET new_count = b.new_count + 1`,
          [accountId, boxId],
        );
        await c.query(
          `INSERT INTO bench_floor.message_messages (tenant_id, id, vmbox_id, folder, ts, doc, media, version)
           VALUES ($1, $2, $3, 'new', $4, $5, $6, 1)`,
          [
            accountId,
            id,
            boxId,
            Math.floor(Date.now() / 1000) + 62167219200,
            JSON.stringify(full),
            JSON.stringify({ key, size }),
          ],
        );
        await c.query(
          'INSERT INTO bench_floor.message_outbox (id, subject, envelope) VALUES (gen_random_uuid(), $1, $2)',
          [`voxmail.evt.${accountId}.message.deposited`, JSON.stringify({ id, data: full })],
        );
        return { data: { ...full, id } };
      });
    },
  };
  const nc = await connect({ servers: env.NATS_URL, name: 'bench-bare-worker' });
  nc.subscribe(SUBJECT, {
    queue: 'bench-bare',
    callback: (err, msg) => {
      if (err) return;
      const cmd = JSON.parse(Buffer.from(msg.data).toString());
      const op = ops[cmd.op];
      Promise.resolve(op ? op(cmd) : { status: 400, error: 'unknown op' })
        .catch((e) => ({ status: 500, error: e.message }))
        .then((r) => msg.respond(Buffer.from(JSON.stringify(r))));
    },
  });
  await nc.flush();
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  process.on('SIGTERM', () =>
    nc
      .close()
      .then(() => pg.end())
      .finally(() => process.exit(0)),
  );
}

const role = process.argv[2];
(role === 'gateway'
  ? gateway()
  : role === 'worker'
    ? worker()
    : Promise.reject(new Error('gateway|worker'))
).catch((e) => {
  process.stderr.write(`bare-chain ${role}: ${e.stack || e}\n`);
  process.exit(1);
});
