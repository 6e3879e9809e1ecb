/**
 * The 17 `jc_*` Contact properties, declared once. Rows 1-13 follow JobCannon's published table;
 * rows 14-17 are our own definitions (the public copy is cut off), kept here so they are easy to change.
 * Each entry is a ready-to-send HubSpot `PropertyCreate` body.
 */
export const PROPERTY_GROUP = {
  name: 'jobcannon_assessments',
  label: 'JobCannon Assessments',
  displayOrder: -1,
} as const;

export type PropertyType = 'number' | 'string' | 'enumeration' | 'datetime';
export type PropertyFieldType = 'number' | 'text' | 'select' | 'date';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: PropertyFieldType;
  groupName: typeof PROPERTY_GROUP.name;
  description: string;
  displayOrder: number;
  options: PropertyOption[];
  formField: boolean;
  hasUniqueValue: boolean;
}

interface Row {
  name: string;
  label: string;
  type: PropertyType;
  description: string;
  options?: ReadonlyArray<readonly [value: string, label: string]>;
}

const FIELD_TYPE: Record<PropertyType, PropertyFieldType> = {
  number: 'number',
  string: 'text',
  enumeration: 'select',
  datetime: 'date',
};

const ROWS: readonly Row[] = [
  { name: 'jc_disc_d', label: 'JC DISC — Dominance', type: 'number', description: 'DISC Dominance score (0-100).' },
  { name: 'jc_disc_i', label: 'JC DISC — Influence', type: 'number', description: 'DISC Influence score (0-100).' },
  { name: 'jc_disc_s', label: 'JC DISC — Steadiness', type: 'number', description: 'DISC Steadiness score (0-100).' },
  { name: 'jc_disc_c', label: 'JC DISC — Conscientiousness', type: 'number', description: 'DISC Conscientiousness score (0-100).' },
  { name: 'jc_bigfive_o', label: 'JC Big Five — Openness', type: 'number', description: 'Big Five Openness score (0-100).' },
  { name: 'jc_bigfive_c', label: 'JC Big Five — Conscientiousness', type: 'number', description: 'Big Five Conscientiousness score (0-100).' },
  { name: 'jc_bigfive_e', label: 'JC Big Five — Extraversion', type: 'number', description: 'Big Five Extraversion score (0-100).' },
  { name: 'jc_bigfive_a', label: 'JC Big Five — Agreeableness', type: 'number', description: 'Big Five Agreeableness score (0-100).' },
  { name: 'jc_bigfive_n', label: 'JC Big Five — Neuroticism', type: 'number', description: 'Big Five Neuroticism score (0-100); 100 minus Emotional Stability where that is reported.' },
  { name: 'jc_iq_score', label: 'JC IQ Score', type: 'number', description: 'Scaled IQ score (50-160, standard IQ scale).' },
  { name: 'jc_integrity_score', label: 'JC Integrity Score', type: 'number', description: 'Combined integrity score (0-100, higher = cleaner).' },
  { name: 'jc_mbti_type', label: 'JC MBTI Type', type: 'string', description: 'MBTI type, four upper-case letters (e.g. INTJ).' },
  { name: 'jc_riasec_holland', label: 'JC RIASEC Holland Code', type: 'string', description: 'Holland code: three distinct RIASEC letters in rank order (e.g. IAS).' },
  {
    name: 'jc_test_status',
    label: 'JC Test Status',
    type: 'enumeration',
    description: 'Where the JobCannon assessment invite stands.',
    options: [
      ['invited', 'Invited'],
      ['in_progress', 'In progress'],
      ['completed', 'Completed'],
      ['expired', 'Expired'],
    ],
  },
  { name: 'jc_result_url', label: 'JC Result URL', type: 'string', description: 'Link to the full result in the JobCannon Business dashboard (sign-in required).' },
  { name: 'jc_completed_at', label: 'JC Completed At', type: 'datetime', description: 'When the invite was completed (UTC); empty until completed.' },
  { name: 'jc_invitation_id', label: 'JC Invitation ID', type: 'string', description: 'The JobCannon invite id.' },
];

export const PROPERTY_DEFINITIONS: readonly PropertyDefinition[] = ROWS.map((row, index) => ({
  name: row.name,
  label: row.label,
  type: row.type,
  fieldType: FIELD_TYPE[row.type],
  groupName: PROPERTY_GROUP.name,
  description: row.description,
  displayOrder: index + 1,
  options: (row.options ?? []).map(([value, label], optionIndex) => ({ label, value, displayOrder: optionIndex, hidden: false })),
  formField: false,
  hasUniqueValue: false,
}));

export type JcPropertyName =
  | 'jc_disc_d' | 'jc_disc_i' | 'jc_disc_s' | 'jc_disc_c'
  | 'jc_bigfive_o' | 'jc_bigfive_c' | 'jc_bigfive_e' | 'jc_bigfive_a' | 'jc_bigfive_n'
  | 'jc_iq_score' | 'jc_integrity_score' | 'jc_mbti_type' | 'jc_riasec_holland'
  | 'jc_test_status' | 'jc_result_url' | 'jc_completed_at' | 'jc_invitation_id';

export const PROPERTY_NAMES = PROPERTY_DEFINITIONS.map((definition) => definition.name) as readonly JcPropertyName[];
