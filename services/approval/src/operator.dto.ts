import {
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import type { HaltScope } from '@airlock/contracts';

const scopeKinds: readonly HaltScope['kind'][] = ['global', 'team', 'agent', 'tool', 'run'];

/** A halt or resume: the scope (`kind`, and `id` unless global) and why. */
export class ControlChangeBody {
  @IsIn(scopeKinds, { message: `kind must be one of ${scopeKinds.join(', ')}` })
  kind!: HaltScope['kind'];

  @IsOptional()
  @IsString({ message: 'id must be a string' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
    message: 'id must be an identifier (letters, digits, . _ : -)',
  })
  @MaxLength(128, { message: 'id must be at most 128 characters' })
  id?: string;

  @IsString({ message: 'reason must be a string' })
  @MinLength(1, { message: 'reason must say why' })
  @MaxLength(2000, { message: 'reason must be at most 2000 characters' })
  reason!: string;
}

const happenings = ['succeeded', 'failed'] as const;

/** What a human found really happened to a call whose outcome was unknown, and how they know. */
export class ResolutionBody {
  @IsIn(happenings, { message: `happened must be one of ${happenings.join(', ')}` })
  happened!: (typeof happenings)[number];

  @IsString({ message: 'note must be a string' })
  @MinLength(1, { message: 'note must say how you found out' })
  @MaxLength(2000, { message: 'note must be at most 2000 characters' })
  note!: string;
}

const unknownListings = ['open', 'resolved', 'all'] as const;

export class UnknownOutcomesQuery {
  @IsOptional()
  @IsIn(unknownListings, { message: `status must be one of ${unknownListings.join(', ')}` })
  status: (typeof unknownListings)[number] = 'open';
}

/** Removing an operator's entity (or hiding the bundle's): why. */
export class EntityRemovalBody {
  @IsString({ message: 'reason must be a string' })
  @MinLength(1, { message: 'reason must say why' })
  @MaxLength(2000, { message: 'reason must be at most 2000 characters' })
  reason!: string;
}

/**
 * Setting an entity: its attributes and parents in Cedar's entity JSON, and why. Their shape is
 * checked against the airlock.entities schema and by Cedar, as the policy gate will read them.
 */
export class EntitySetBody extends EntityRemovalBody {
  @IsOptional()
  @IsObject({ message: 'attrs must be an object of attribute values' })
  attrs?: Record<string, unknown>;

  @IsOptional()
  @IsArray({ message: 'parents must be an array of {"type", "id"}' })
  parents?: unknown[];
}
