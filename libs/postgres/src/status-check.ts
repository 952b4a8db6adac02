/**
 * A start-up migration that makes `<table>.status` accept exactly `statuses`: the check constraint
 * `<table>_status_check` is replaced only where it does not name them all yet, so running it at
 * every start-up neither locks nor scans the table once it is current.
 */
export function statusCheckMigration(table: string, statuses: readonly string[]): string {
  const constraint = `${table}_status_check`;
  const named = statuses.map((status) => `AND pg_get_constraintdef(oid) LIKE '%''${status}''%'`).join(' ');
  const allowed = statuses.map((status) => `'${status}'`).join(', ');
  return `DO $$
   BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = '${table}'::regclass AND conname = '${constraint}' ${named}) THEN
       ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${constraint};
       ALTER TABLE ${table} ADD CONSTRAINT ${constraint} CHECK (status IN (${allowed}));
     END IF;
   END $$`;
}
