import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as ts from 'typescript';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { Commands, DomainError, ErrorCode, MessageIdCommand } from '@voxmail/contracts';
import { HandleCommand } from './handle-command';

const ROOT = join(__dirname, '../../..');
const BOX = 'a'.repeat(32);
const ACTOR = { accountId: BOX, role: 'admin' };

class Probe {
  seen: unknown;
  @HandleCommand(Commands.MessageGet)
  get(cmd: MessageIdCommand) {
    this.seen = cmd;
    return { doc: { id: cmd.id }, revision: 'r' };
  }
}

describe('@HandleCommand', () => {
  it("binds the method to the registry's subject", () => {
    expect(Reflect.getMetadata(PATTERN_METADATA, Probe.prototype.get)).toEqual([Commands.MessageGet.subject]);
  });

  it("hands the method a validated instance of the registry's request class", () => {
    const p = new Probe();
    p.get({ tenantId: BOX, actor: ACTOR, vmboxId: BOX, id: `202601-${BOX}`, extra: 1 } as never);
    expect(p.seen).toBeInstanceOf(MessageIdCommand);
    expect(p.seen).not.toHaveProperty('extra');
  });

  it('refuses a payload the request class rejects, before the method runs', () => {
    const p = new Probe();
    let thrown: unknown;
    try {
      p.get({ tenantId: BOX, actor: ACTOR, vmboxId: BOX, id: 'nope' } as never);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe(ErrorCode.ValidationFailed);
    expect(p.seen).toBeUndefined();
  });
});

/** Type-checks `source` (placed in the workspace, so @voxmail/* resolve) and returns its error texts. */
function typeErrors(source: string): string[] {
  // under tmp/, which lint, format and the build ignore, in case a run is killed before the clean-up
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'tmp', 'typecheck-'));
  const file = join(dir, 'probe.ts');
  writeFileSync(file, source);
  try {
    const cfg = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.base.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: () => undefined,
      },
    );
    const program = ts.createProgram([file], { ...cfg!.options, noEmit: true, types: ['node'] });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === file)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the command registry at compile time', () => {
  const header = `
    import { Commands, CreateMessageCommand, DocReply, MessageIdCommand } from '@voxmail/contracts';
    import { HandleCommand, CommandClient } from '@voxmail/messaging';
    declare const client: CommandClient;
  `;

  it('accepts a handler and a sender that match the registry', () => {
    expect(
      typeErrors(`${header}
        class H {
          @HandleCommand(Commands.MessageGet)
          get(cmd: MessageIdCommand): Promise<DocReply> { return Promise.resolve({ doc: { id: cmd.id }, revision: '' }); }
        }
        async function f(): Promise<string> {
          const r = await client.send(Commands.MessageGet, { tenantId: '', actor: { accountId: '', role: 'user' }, vmboxId: '', id: '' });
          return r.revision;
        }
        export { H, f };`),
    ).toEqual([]);
  }, 60000);

  it('rejects a handler taking another request class, or answering another reply type', () => {
    const errors = typeErrors(`${header}
      class H {
        @HandleCommand(Commands.MessageGet)
        wrongRequest(cmd: CreateMessageCommand) { return Promise.resolve({ doc: { id: cmd.vmboxId }, revision: '' }); }
        @HandleCommand(Commands.MessageGet)
        wrongReply(cmd: MessageIdCommand) { return Promise.resolve({ aborted: cmd.id }); }
      }
      export { H };`);
    expect(errors).toHaveLength(2);
  }, 60000);

  it('rejects a payload or a reply use the registry does not allow', () => {
    const errors = typeErrors(`${header}
      async function f() {
        await client.send(Commands.MessageGet, { tenantId: '', vmboxId: '', id: '' });
        const r = await client.send(Commands.MessageAbortUpload, { tenantId: '', actor: { accountId: '', role: 'user' }, vmboxId: '', uploadId: '' });
        return r.doc;
      }
      export { f };`);
    expect(errors).toHaveLength(2);
  }, 60000);

  it('rejects an event whose data does not match its definition', () => {
    const errors = typeErrors(`
      import { Events, newEvent } from '@voxmail/contracts';
      export const ok = newEvent(Events.MwiUpdated, { tenantId: '', aggregateId: '', data: { vmbox_id: '', new: 1, saved: 0 } });
      export const bad = newEvent(Events.MwiUpdated, { tenantId: '', aggregateId: '', data: { vmbox_id: '', new: '1', saved: 0 } });
      export const missing = newEvent(Events.MediaStored, { tenantId: '', aggregateId: '', data: { kind: 'message' } });`);
    expect(errors).toHaveLength(2);
  }, 60000);
});
