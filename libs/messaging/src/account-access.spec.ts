import type { Actor, TreeNode } from '@voxmail/contracts';
import { AccountAccess } from './account-access';

const id = (c: string) => c.repeat(32);
const [root, reseller, child, sibling] = ['0', 'a', 'b', 'd'].map(id);
const trees: Record<string, TreeNode> = {
  [reseller]: { id: reseller, tree: [root] },
  [child]: { id: child, tree: [root, reseller] },
  [sibling]: { id: sibling, tree: [root] },
};

function access() {
  const asked: string[] = [];
  const a = new AccountAccess(async (tenantId) => {
    asked.push(tenantId);
    return trees[tenantId] ?? null;
  });
  return { a, asked };
}

const admin = (accountId: string): Actor => ({ accountId, role: 'admin' });

describe('AccountAccess (the one tenancy implementation)', () => {
  it('lets a reseller admin into a child by its tree, and asks for the tree only then', async () => {
    const { a, asked } = access();
    await expect(a.require(admin(reseller), child, { admin: true })).resolves.toBeUndefined();
    expect(asked).toEqual([child]);
    await a.require({ accountId: root, role: 'operator' }, child, { admin: true });
    await a.require(admin(child), child, { admin: true });
    expect(asked).toEqual([child]);
  });

  it('answers 404 for a child looking up, a sibling, a stranger and a missing account', async () => {
    const { a } = access();
    for (const [actor, target] of [
      [admin(child), reseller],
      [admin(sibling), child],
      [admin(child), id('f')],
      [{ accountId: reseller, role: 'user' } as Actor, child],
    ] as const)
      await expect(a.require(actor, target)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('answers 403 to a user of the account on an admin resource, and lets it read the others', async () => {
    const { a, asked } = access();
    const user: Actor = { accountId: child, role: 'user', userId: id('e') };
    await expect(a.require(user, child, { admin: true })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(a.require(user, child)).resolves.toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('applies the same rule to a tree the caller holds', () => {
    expect(() => AccountAccess.requireWithTree(admin(reseller), trees[child])).not.toThrow();
    expect(() => AccountAccess.requireWithTree(admin(sibling), trees[child])).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });
});
