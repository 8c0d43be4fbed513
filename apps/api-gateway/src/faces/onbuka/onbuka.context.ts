// The command bus of the gateway module, read lazily so mounting the face is one import.
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CommandBus } from '../../common/command-bus';

@Injectable()
export class OnbukaContext {
  constructor(private readonly refs: ModuleRef) {}

  get bus(): CommandBus {
    return this.refs.get(CommandBus, { strict: false });
  }
}
