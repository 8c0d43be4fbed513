import type { Actor } from './commands';
import { assertAdminRole, assertReach, canReach, isAncestorActor, reachWithoutTree } from './tenancy';

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

describe('reachWithoutTree, assertReach, assertAdminRole', () => {
  it('decides the operator and own account at once, a user elsewhere never, an admin elsewhere by the tree', () => {
    expect(reachWithoutTree({ accountId: root, role: 'operator' }, child)).toBe(true);
    expect(reachWithoutTree(admin(child), child)).toBe(true);
    expect(reachWithoutTree({ accountId: child, role: 'user' }, child)).toBe(true);
    expect(reachWithoutTree({ accountId: reseller, role: 'user' }, child)).toBe(false);
    expect(reachWithoutTree(admin(reseller), child)).toBeUndefined();
  });

  it('answers 404 for an account out of reach or missing, 403 for a user on an admin resource', () => {
    expect(() => assertReach(admin(reseller), tree.child)).not.toThrow();
    expect(() => assertReach(admin(child), tree.sibling)).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
    expect(() => assertReach(admin(reseller), null)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => assertAdminRole({ accountId: child, role: 'user' })).toThrow(
      expect.objectContaining({ code: 'forbidden' }),
    );
    expect(() => assertAdminRole(admin(child))).not.toThrow();
  });
});
