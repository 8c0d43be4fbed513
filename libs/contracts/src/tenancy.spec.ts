import type { Actor } from './commands';
import { canReach, isAncestorActor } from './tenancy';

const id = (c: string) => c.repeat(32);
const [root, reseller, child, grandchild, sibling] = ['0', 'a', 'b', 'c', 'd'].map(id);
const tree = {
  root: { id: root, tree: [] },
  reseller: { id: reseller, tree: [root] },
  child: { id: child, tree: [root, reseller] },
  grandchild: { id: grandchild, tree: [root, reseller, child] },
  sibling: { id: sibling, tree: [root] },
};
const admin = (accountId: string): Actor => ({ accountId, role: 'admin' });

describe('canReach', () => {
  it('lets an admin reach its own account and every descendant, never an ancestor or a sibling', () => {
    const a = admin(reseller);
    expect(canReach(a, tree.reseller)).toBe(true);
    expect(canReach(a, tree.child)).toBe(true);
    expect(canReach(a, tree.grandchild)).toBe(true);
    expect(canReach(a, tree.root)).toBe(false);
    expect(canReach(a, tree.sibling)).toBe(false);
    expect(canReach(admin(child), tree.reseller)).toBe(false);
  });

  it('keeps a user-level actor in its own account', () => {
    const u: Actor = { accountId: reseller, role: 'user', userId: id('e') };
    expect(canReach(u, tree.reseller)).toBe(true);
    expect(canReach(u, tree.child)).toBe(false);
  });

  it('lets the operator reach everything', () => {
    const o: Actor = { accountId: root, role: 'operator' };
    for (const n of Object.values(tree)) expect(canReach(o, n)).toBe(true);
  });
});

describe('isAncestorActor', () => {
  it('is true only strictly above the account', () => {
    expect(isAncestorActor(admin(reseller), tree.child)).toBe(true);
    expect(isAncestorActor(admin(reseller), tree.reseller)).toBe(false);
    expect(isAncestorActor(admin(child), tree.reseller)).toBe(false);
    expect(isAncestorActor({ accountId: root, role: 'operator' }, tree.sibling)).toBe(true);
    expect(isAncestorActor({ accountId: root, role: 'operator' }, tree.root)).toBe(false);
    expect(isAncestorActor({ accountId: reseller, role: 'user' }, tree.child)).toBe(false);
  });
});
