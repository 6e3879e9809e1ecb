import { hubspotError, isRecord, missingAttributesMessage, type Reply } from './replies.js';
import type { PortalState, PropertyOption, PropertyRecord } from './state.js';

// Property definitions: the type/fieldType matrix, options, and the rule checks a created or patched
// definition must pass, with the problem (status, category, subCategory) HubSpot answers a bad one with.

export const PROPERTY_TYPES = ['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string'] as const;
export const FIELD_TYPES = ['booleancheckbox', 'calculation_equation', 'checkbox', 'date', 'file', 'html', 'number', 'phonenumber', 'radio', 'select', 'text', 'textarea'] as const;

/** Which fieldTypes each type accepts (HubSpot's documented matrix). */
export const FIELD_TYPES_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  string: ['file', 'text', 'textarea', 'calculation_equation', 'html', 'phonenumber'],
  number: ['number', 'calculation_equation'],
  phone_number: ['phonenumber', 'text'],
};

export const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

export interface PropertyProblem {
  status: number;
  category: string;
  message: string;
  subCategory?: string;
}

export const problem = (message: string, subCategory?: string): PropertyProblem =>
  subCategory ? { status: 400, category: 'VALIDATION_ERROR', message, subCategory } : { status: 400, category: 'VALIDATION_ERROR', message };

export function problemReply(correlationId: string, p: PropertyProblem): Reply {
  return hubspotError(p.status, correlationId, p.category, p.message, p.subCategory ? { subCategory: p.subCategory } : {});
}

export function parseOptions(raw: unknown): PropertyOption[] | PropertyProblem {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return problem('Invalid input JSON on line 1, column 1: options must be an array');
  const options: PropertyOption[] = [];
  for (const [index, item] of raw.entries()) {
    if (!isRecord(item)) return problem('Invalid input JSON on line 1, column 1: options must be objects');
    const missing = ['label', 'value'].filter((key) => typeof item[key] !== 'string' && typeof item[key] !== 'number' && typeof item[key] !== 'boolean');
    if (missing.length) return problem(missingAttributesMessage('OptionInput', missing));
    const option: PropertyOption = {
      label: String(item.label),
      value: String(item.value),
      displayOrder: typeof item.displayOrder === 'number' ? item.displayOrder : index,
      hidden: item.hidden === true,
    };
    if (typeof item.description === 'string') option.description = item.description;
    options.push(option);
  }
  const values = new Set<string>();
  for (const option of options) {
    if (values.has(option.value)) return problem(`Duplicate option value: ${option.value}. Option values must be unique.`, 'PropertyValidationError.DUPLICATE_OPTION_VALUE');
    values.add(option.value);
  }
  return options;
}

/** Checks a complete definition (create, or the result of a PATCH) against type/fieldType/group/options rules. */
export function checkDefinition(portal: PortalState, def: Pick<PropertyRecord, 'name' | 'type' | 'fieldType' | 'groupName' | 'options' | 'label'>): PropertyProblem | undefined {
  if (!(PROPERTY_TYPES as readonly string[]).includes(def.type)) {
    return problem(`Invalid input JSON on line 1, column 1: Cannot deserialize value of type \`PropertyType\` from String "${def.type}": not one of the values accepted for Enum class: [${PROPERTY_TYPES.join(', ')}]`);
  }
  if (!(FIELD_TYPES as readonly string[]).includes(def.fieldType)) {
    return problem(`Invalid input JSON on line 1, column 1: Cannot deserialize value of type \`FieldType\` from String "${def.fieldType}": not one of the values accepted for Enum class: [${FIELD_TYPES.join(', ')}]`);
  }
  if (!(FIELD_TYPES_BY_TYPE[def.type] ?? []).includes(def.fieldType)) {
    return problem(`Property ${def.name} has type ${def.type}, which does not support fieldType ${def.fieldType}. Allowed fieldTypes: [${(FIELD_TYPES_BY_TYPE[def.type] ?? []).join(', ')}]`, 'PropertyValidationError.INVALID_FIELD_TYPE');
  }
  if (def.label.trim() === '') return problem('Property label must not be empty');
  const group = portal.groups.get(def.groupName);
  if (!group || group.archived) return problem(`Property group ${def.groupName} does not exist.`, 'PropertyValidationError.PROPERTY_GROUP_DOES_NOT_EXIST');
  if (def.type === 'enumeration' && def.options.length === 0) {
    return problem(`Property ${def.name} is an enumeration and needs at least one option.`, 'PropertyValidationError.ENUMERATION_WITHOUT_OPTIONS');
  }
  if (def.type === 'bool') {
    const values = def.options.map((option) => option.value).sort();
    if (values.length !== 2 || values[0] !== 'false' || values[1] !== 'true') {
      return problem(`Boolean property ${def.name} must have exactly two options, with values true and false.`, 'PropertyValidationError.INVALID_BOOLEAN_OPTION');
    }
  }
  return undefined;
}
