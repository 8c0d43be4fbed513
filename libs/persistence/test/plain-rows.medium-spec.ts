// Plain rows (no ORM hydration) must read exactly what TypeORM's getMany/getOne would: every column
// kind the services' entities use, transformers, nulls, locks and extra selected expressions.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Column, CreateDateColumn, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { createDataSource, getPlainMany, getPlainOne, getPlainRows, plainSelect } from '../src';

@Entity({ name: 'things' })
class Thing {
  @PrimaryColumn({ name: 'tenant_id', type: 'char', length: 32 }) tenantId: string;
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ name: 'is_on', type: 'boolean', default: false }) isOn: boolean;
  @Column({ type: 'jsonb' }) doc: Record<string, unknown>;
  @Column({ type: 'jsonb', nullable: true }) media: Record<string, unknown> | null;
  @Column({ type: 'integer' }) version: number;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  ts: number;
  @Column({ type: 'text', array: true }) members: string[];
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

const schema = `ptest_${randomBytes(4).toString('hex')}`;
const tenant = randomBytes(16).toString('hex');
let ds: DataSource;

beforeAll(async () => {
  ds = createDataSource({ url: process.env.DATABASE_URL!, schema, entities: [Thing], migrations: [] });
  await ds.initialize();
  await ds.query(`CREATE SCHEMA "${schema}"`);
  await ds.query(`CREATE TABLE "${schema}".things (
    tenant_id char(32) NOT NULL, id text NOT NULL, is_on boolean NOT NULL DEFAULT false, doc jsonb NOT NULL,
    media jsonb, version integer NOT NULL, seq bigserial NOT NULL, ts bigint NOT NULL, members text[] NOT NULL,
    locked_until timestamptz, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id))`);
  await ds.query(
    `INSERT INTO "${schema}".things (tenant_id, id, is_on, doc, media, version, ts, members, locked_until) VALUES
       ($1, 'a', true, '{"name":"A","n":[1,{"x":null}]}', '{"key":"k"}', 3, 63800000001, '{u1,u2}', now()),
       ($1, 'b', false, '{}', NULL, 1, 63800000002, '{}', NULL),
       ($2, 'c', false, '{"other":"tenant"}', NULL, 1, 1, '{}', NULL)`,
    [tenant, randomBytes(16).toString('hex')],
  );
});

afterAll(async () => {
  await ds.query(`DROP SCHEMA "${schema}" CASCADE`);
  await ds.destroy();
});

const ofTenant = () =>
  ds.getRepository(Thing).createQueryBuilder('t').where('t.tenant_id = :tenant', { tenant }).orderBy('t.id');

test('getPlainMany reads what getMany reads, column for column, as instances of the entity', async () => {
  const hydrated = await ofTenant().getMany();
  const plain = await getPlainMany(ofTenant());
  expect(plain).toHaveLength(2);
  expect(plain).toEqual(hydrated);
  expect(plain[0]).toBeInstanceOf(Thing);
  expect(typeof plain[0].ts).toBe('number'); // the transformer ran
  expect(typeof plain[0].seq).toBe('string'); // bigint stays a string, as TypeORM leaves it
  expect(plain[0].lockedUntil).toBeInstanceOf(Date);
  expect(plain[1].media).toBeNull();
});

test('getPlainOne answers the row or null, under a lock inside a transaction', async () => {
  await ds.transaction(async (m) => {
    const qb = () =>
      m
        .getRepository(Thing)
        .createQueryBuilder('t')
        .where('t.tenant_id = :tenant AND t.id = :id', { tenant, id: 'a' });
    expect(await getPlainOne(qb().setLock('pessimistic_write'))).toEqual(await qb().getOne());
  });
  expect(await getPlainOne(ofTenant().andWhere("t.id = 'c'"))).toBeNull();
});

test('getPlainRows adds expressions beside the entity', async () => {
  const [row] = await getPlainRows(ofTenant().andWhere("t.id = 'a'"), { name: `t.doc ->> 'name'` });
  expect(row.raw.name).toBe('A');
  expect(row.entity.doc).toEqual({ name: 'A', n: [1, { x: null }] });
});

test('plainSelect, a constant SQL string, maps rows as getMany does', async () => {
  const sel = plainSelect(ds, Thing, 't');
  const rows = await ds.query(
    `SELECT ${sel.columns} FROM "${schema}".things t WHERE t.tenant_id = $1 ORDER BY t.id`,
    [tenant],
  );
  const plain = sel.map(rows);
  expect(plain).toEqual(await ofTenant().getMany());
  expect(plain[0]).toBeInstanceOf(Thing);
  expect(sel.map([])).toEqual([]);
});
