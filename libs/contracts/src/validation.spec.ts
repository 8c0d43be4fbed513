import { ROLES, UpdateDocCommand } from './commands';
import { DomainError } from './errors';
import { validateCommand } from './validation';

const ID = '0123456789abcdef0123456789abcdef';
const actor = { accountId: ID, role: ROLES[0] };

describe('validateCommand', () => {
  it('leaves a free-form document as it came (class-transformer never walks its keys)', () => {
    // a 60,000-key document took class-transformer 3 s of event loop in mailbox-service
    const doc: Record<string, unknown> = { name: 'big', nested: { a: [1, { b: 2 }] } };
    for (let i = 0; i < 60_000; i++) doc[`k${i}`] = 'v';
    const cmd = validateCommand(UpdateDocCommand, { tenantId: ID, id: ID, mode: 'replace', doc, actor });
    expect(cmd.doc).toBe(doc);
    expect(cmd).toBeInstanceOf(UpdateDocCommand);
  });

  it('still transforms and validates @Type properties (the nested actor) and the document type', () => {
    const bad = {
      tenantId: ID,
      id: ID,
      mode: 'replace',
      doc: {},
      actor: { accountId: 'nope', role: ROLES[0] },
    };
    try {
      validateCommand(UpdateDocCommand, bad);
      throw new Error('accepted');
    } catch (e) {
      expect((e as DomainError).details).toHaveProperty(['actor.accountId']);
    }
    expect(() => validateCommand(UpdateDocCommand, { ...bad, actor, doc: 'text' })).toThrow('invalid data');
  });
});
