import { StatefulServiceConfig } from '@airlock/service-runtime';

/** Policy keeps each run's history in PostgreSQL when a policy reads it (context.history). */
export class PolicyConfig extends StatefulServiceConfig {}
