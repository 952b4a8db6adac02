import { auditDatabaseName } from './audit-reader';

describe('auditDatabaseName', () => {
  it('is airlock without a namespace and airlock_<namespace> with one', () => {
    expect(auditDatabaseName('')).toBe('airlock');
    expect(auditDatabaseName('e2e_42')).toBe('airlock_e2e_42');
  });
});
