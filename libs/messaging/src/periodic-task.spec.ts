import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { inBatches, PeriodicTask, Sweeper } from './periodic-task';

const SETTINGS = Symbol('settings');

@Injectable()
class Bin {
  left = [3, 3, 1];
  runs = 0;

  async empty(): Promise<number> {
    this.runs++;
    return this.left.shift() ?? 0;
  }
}

class BinSweeper extends Sweeper({
  name: 'bin sweep',
  of: Bin,
  settings: SETTINGS,
  work: (bin) => inBatches(() => bin.empty(), 3),
}) {}

const binModule = (sweepIntervalMs: number) => {
  @Module({ providers: [Bin, { provide: SETTINGS, useValue: { sweepIntervalMs } }, BinSweeper] })
  class BinModule {}
  return BinModule;
};

describe('Sweeper', () => {
  it('makes a provider that Nest injects with the service and the settings; one sweep is the work', async () => {
    const app = await NestFactory.createApplicationContext(binModule(60000), { logger: false });
    try {
      expect(await app.get(BinSweeper).sweep()).toBe(7);
      expect(app.get(Bin).runs).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('runs every sweepIntervalMs from bootstrap and stops at shutdown', async () => {
    const app = await NestFactory.createApplicationContext(binModule(20), { logger: false });
    await app.init();
    await new Promise((r) => setTimeout(r, 150));
    await app.close();
    const runs = app.get(Bin).runs;
    expect(runs).toBeGreaterThanOrEqual(4);
    await new Promise((r) => setTimeout(r, 60));
    expect(app.get(Bin).runs).toBe(runs);
  });
});

describe('PeriodicTask', () => {
  it('runs one at a time and logs a failed run under its name', async () => {
    const warnings: string[] = [];
    let release!: () => void;
    const task = new PeriodicTask(
      'probe',
      () => new Promise<number>((resolve, reject) => (release = () => reject(new Error('boom')))),
      { warn: (m: string) => void warnings.push(m) },
    );
    const first = task.run();
    expect(await task.run()).toBe(0);
    release();
    expect(await first).toBe(0);
    expect(warnings).toEqual(['probe failed: boom']);
  });
});
