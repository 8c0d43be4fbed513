// Issue 3's figures: authenticated GET /v2/accounts/{id} and PUT .../users through
// gateway → NATS → mailbox-service → PostgreSQL, beside pooled PostgreSQL running the same statements.
'use strict';
const { createHash, randomBytes } = require('node:crypto');

const sha256 = (s) => createHash('sha256').update(s).digest('hex');

module.exports = {
  name: 'identity',
  async run(ctx) {
    const { request, measure, pg } = ctx;
    const t = await ctx.createTenant();
    const tokenHash = sha256(t.token);
    const figures = [];

    // GET /v2/accounts/{id}: the service verifies the token, then reads the account.
    const getVia = await measure(
      async () => {
        const r = await request('GET', `/v2/accounts/${t.accountId}`, { token: t.token });
        if (r.status !== 200) throw new Error(`GET account answered ${r.status}`);
      },
      { requests: 1500, concurrency: 16 },
    );
    const getFloor = await measure(
      async () => {
        await pg.query(
          `SELECT t.account_id, t.user_id, t.client_id, t.role FROM mailbox.auth_tokens t
             JOIN mailbox.accounts a ON a.id = t.account_id AND a.deleted_at IS NULL
            WHERE t.token_hash = $1 AND t.expires_at > now()`,
          [tokenHash],
        );
        await pg.query('SELECT * FROM mailbox.accounts a WHERE a.id = $1 AND a.deleted_at IS NULL', [
          t.accountId,
        ]);
      },
      { requests: 1500, concurrency: 16 },
    );
    figures.push({
      figure: 'get_account',
      via: 'HTTP gateway → NATS → mailbox-service → PostgreSQL',
      ...getVia,
      floor: {
        what: 'the same two statements (token check, account read) on a pooled pg client',
        ...getFloor,
      },
      ratio_p50: Math.round((getVia.p50_ms / getFloor.p50_ms) * 10) / 10,
    });

    // PUT .../users: token check, account read, then one transaction inserting the user and its event.
    const putVia = await measure(
      async (i) => {
        const r = await request('PUT', `/v2/accounts/${t.accountId}/users`, {
          token: t.token,
          body: {
            data: {
              first_name: `Bench${i}`,
              last_name: 'User',
              username: `bench-${randomBytes(6).toString('hex')}`,
            },
          },
        });
        if (r.status !== 201) throw new Error(`PUT user answered ${r.status}`);
      },
      { requests: 600, concurrency: 8 },
    );
    const floorAccount = await ctx.createTenant();
    const putFloor = await measure(
      async (i) => {
        const c = await pg.connect();
        try {
          await c.query(
            `SELECT t.account_id FROM mailbox.auth_tokens t JOIN mailbox.accounts a ON a.id = t.account_id AND a.deleted_at IS NULL
              WHERE t.token_hash = $1 AND t.expires_at > now()`,
            [tokenHash],
          );
          await c.query('SELECT * FROM mailbox.accounts a WHERE a.id = $1 AND a.deleted_at IS NULL', [
            floorAccount.accountId,
          ]);
          await c.query('BEGIN');
          const id = randomBytes(16).toString('hex');
          const username = `floor-${randomBytes(6).toString('hex')}`;
          await c.query(`SELECT 1 FROM mailbox.users WHERE account_id = $1 AND username_lower = $2`, [
            floorAccount.accountId,
            username,
          ]);
          await c.query(
            `INSERT INTO mailbox.users (id, account_id, username_lower, priv_level, doc, version) VALUES ($1, $2, $3, 'user', $4, 1)`,
            [
              id,
              floorAccount.accountId,
              username,
              JSON.stringify({ first_name: `Floor${i}`, last_name: 'User', username }),
            ],
          );
          await c.query(
            `INSERT INTO mailbox.outbox (id, subject, envelope) VALUES (gen_random_uuid(), $1, $2)`,
            [`voxmail.evt.${floorAccount.accountId}.bench.floor`, JSON.stringify({ id, bench: true })],
          );
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK');
          throw e;
        } finally {
          c.release();
        }
      },
      { requests: 600, concurrency: 8 },
    );
    figures.push({
      figure: 'create_user',
      via: 'HTTP gateway → NATS → mailbox-service → PostgreSQL (+ outbox event)',
      ...putVia,
      floor: {
        what: 'token check, account read, username check, user + outbox INSERT in one transaction, pooled pg',
        ...putFloor,
      },
      ratio_p50: Math.round((putVia.p50_ms / putFloor.p50_ms) * 10) / 10,
    });
    return figures;
  },
};
