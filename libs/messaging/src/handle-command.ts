// `@HandleCommand(Commands.X)`: a service's command handler bound to the registry's subject, request class
// and reply type; the payload is validated with the registry's class before the method runs.
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CommandDef, ReplyOf, RequestOf, validateCommand } from '@voxmail/contracts';

type Handler<C> = (request: RequestOf<C>) => ReplyOf<C> | Promise<ReplyOf<C>>;

/** Where `@HandleCommand` lists a class's handlers (the command server binds them to NATS). */
const COMMAND_HANDLERS = Symbol('voxmail:command-handlers');

/** One handler of a class: the command it answers and the method (already validating its payload). */
export interface CommandHandlerEntry {
  def: CommandDef;
  key: string | symbol;
}

/** The `@HandleCommand` methods of a class (its prototype chain included). */
export function commandHandlersOf(cls: object): CommandHandlerEntry[] {
  return (Reflect.getMetadata(COMMAND_HANDLERS, cls) as CommandHandlerEntry[] | undefined) ?? [];
}

/**
 * Wraps Nest's `@MessagePattern`: the method receives a validated instance of the command's request
 * class, and a method whose parameter or return type does not match the registry is a compile error.
 * The class's handlers are also listed for the command server (`rpc.ts`), which binds each to a plain
 * NATS queue subscription.
 */
export function HandleCommand<C extends CommandDef>(def: C) {
  return <M extends Handler<C>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    const handle = descriptor.value;
    if (!handle) throw new Error(`@HandleCommand(${def.subject}) must decorate a method`);
    const validated = function (this: unknown, payload: unknown) {
      return handle.call(this, validateCommand(def.request, payload) as RequestOf<C>);
    } as M;
    // Nest names the handler after the method in logs and metadata; keep it
    Object.defineProperty(validated, 'name', { value: handle.name });
    descriptor.value = validated;
    MessagePattern(def.subject)(target, key, descriptor);
    Payload()(target, key, 0);
    const cls = target.constructor;
    Reflect.defineMetadata(COMMAND_HANDLERS, [...commandHandlersOf(cls), { def, key }], cls);
  };
}
