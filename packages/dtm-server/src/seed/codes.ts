// Code tables of the synthetic practice. SNOMED CT and dm+d ids are strings; every id here passes
// isValidSnomedId (the tests check it). Meanings were checked against public FHIR examples and codelists.
// Dropped (passes Verhoeff, but means something else): dm+d 318135008 is a co-amilofruse VMP and
// 325072002 is the substance insulin aspart, so neither is used for amlodipine or metformin.
// HbA1c uses 999791000000106 (IFCC standardised, mmol/mol; the QOF IFCCHBAM_COD code).

export interface Code {
  readonly code: string;
  readonly display: string;
}

export const UCUM_SYSTEM = 'http://unitsofmeasure.org';
export const UK_CORE_PROFILE_BASE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-';
export const HL7_CS = 'http://terminology.hl7.org/CodeSystem';

/** dm+d VMPs (virtual medicinal products), coded in the DMD_SYSTEM. */
export const MEDS = {
  amlodipine: { code: '319283006', display: 'Amlodipine 5mg tablets' },
  metformin: { code: '325278007', display: 'Metformin 500mg tablets' },
  simvastatin: { code: '320000009', display: 'Simvastatin 40mg tablets' },
  aspirin: { code: '319773006', display: 'Aspirin 75mg dispersible tablets' },
  paracetamol: { code: '322236009', display: 'Paracetamol 500mg tablets' },
  amoxicillin: { code: '323509004', display: 'Amoxicillin 250mg capsules' },
  salbutamol: { code: '39113611000001102', display: 'Salbutamol 100micrograms/dose inhaler CFC free' },
} as const satisfies Record<string, Code>;

export type MedKey = keyof typeof MEDS;

export const MED_DOSAGE: Record<MedKey, { text: string; quantity: number; unit: string }> = {
  amlodipine: { text: 'One tablet once a day', quantity: 28, unit: 'tablet' },
  metformin: { text: 'One tablet twice a day with food', quantity: 56, unit: 'tablet' },
  simvastatin: { text: 'One tablet at night', quantity: 28, unit: 'tablet' },
  aspirin: { text: 'One tablet once a day', quantity: 28, unit: 'tablet' },
  paracetamol: { text: 'One or two tablets up to four times a day when required', quantity: 100, unit: 'tablet' },
  amoxicillin: { text: 'One capsule three times a day for 5 days', quantity: 15, unit: 'capsule' },
  salbutamol: { text: 'Two puffs when required', quantity: 1, unit: 'inhaler' },
};

export type Monitoring = 'bp' | 'bmi' | 'hba1c';

export interface ChronicCondition {
  readonly code: Code;
  /** Chance of having it, by age in years. */
  readonly prevalence: (age: number) => number;
  readonly meds: readonly MedKey[];
  readonly monitoring: readonly Monitoring[];
}

const rising = (from: number, per10y: number, max: number) => (age: number) =>
  age < from ? 0 : Math.min(max, ((age - from) / 10) * per10y);

export const CHRONIC_CONDITIONS: readonly ChronicCondition[] = [
  { code: { code: '38341003', display: 'Hypertensive disorder' }, prevalence: rising(30, 0.09, 0.55), meds: ['amlodipine'], monitoring: ['bp'] },
  { code: { code: '44054006', display: 'Diabetes mellitus type 2' }, prevalence: rising(30, 0.04, 0.2), meds: ['metformin'], monitoring: ['hba1c', 'bmi', 'bp'] },
  { code: { code: '195967001', display: 'Asthma' }, prevalence: () => 0.08, meds: ['salbutamol'], monitoring: [] },
  { code: { code: '35489007', display: 'Depressive disorder' }, prevalence: (a) => (a < 14 ? 0 : 0.1), meds: [], monitoring: [] },
  { code: { code: '197480006', display: 'Anxiety disorder' }, prevalence: (a) => (a < 14 ? 0 : 0.07), meds: [], monitoring: [] },
  { code: { code: '13645005', display: 'Chronic obstructive lung disease' }, prevalence: rising(40, 0.03, 0.12), meds: ['salbutamol'], monitoring: [] },
  { code: { code: '49436004', display: 'Atrial fibrillation' }, prevalence: rising(50, 0.03, 0.12), meds: [], monitoring: ['bp'] },
  { code: { code: '709044004', display: 'Chronic kidney disease' }, prevalence: rising(50, 0.04, 0.15), meds: [], monitoring: ['bp'] },
  { code: { code: '40930008', display: 'Hypothyroidism' }, prevalence: rising(20, 0.01, 0.06), meds: [], monitoring: [] },
  { code: { code: '414545008', display: 'Ischemic heart disease' }, prevalence: rising(45, 0.04, 0.15), meds: ['aspirin', 'simvastatin'], monitoring: ['bp'] },
  { code: { code: '22298006', display: 'Myocardial infarction' }, prevalence: rising(50, 0.015, 0.06), meds: ['aspirin', 'simvastatin'], monitoring: ['bp'] },
  { code: { code: '55822004', display: 'Hyperlipidemia' }, prevalence: rising(35, 0.05, 0.25), meds: ['simvastatin'], monitoring: [] },
  { code: { code: '396275006', display: 'Osteoarthritis' }, prevalence: rising(45, 0.06, 0.3), meds: ['paracetamol'], monitoring: ['bmi'] },
];

/** Short illnesses, recorded and later resolved, with the acute medicine that may go with them. */
export const ACUTE_CONDITIONS: readonly { code: Code; med: MedKey | null }[] = [
  { code: { code: '54150009', display: 'Upper respiratory infection' }, med: 'paracetamol' },
  { code: { code: '68566005', display: 'Urinary tract infectious disease' }, med: 'amoxicillin' },
  { code: { code: '444814009', display: 'Viral sinusitis' }, med: 'paracetamol' },
  { code: { code: '195662009', display: 'Acute viral pharyngitis' }, med: null },
  { code: { code: '10509002', display: 'Acute bronchitis' }, med: 'amoxicillin' },
];

export const OBS = {
  bloodPressure: { code: '75367002', display: 'Blood pressure' },
  systolic: { code: '271649006', display: 'Systolic blood pressure' },
  diastolic: { code: '271650006', display: 'Diastolic blood pressure' },
  bmi: { code: '60621009', display: 'Body mass index' },
  weight: { code: '27113001', display: 'Body weight' },
  height: { code: '50373000', display: 'Body height' },
  hba1c: { code: '999791000000106', display: 'Haemoglobin A1c level - IFCC standardised' },
} as const satisfies Record<string, Code>;

export const SMOKING: readonly Code[] = [
  { code: '266919005', display: 'Never smoked tobacco' },
  { code: '8517006', display: 'Ex-smoker' },
  { code: '77176002', display: 'Smoker' },
];

export const ALLERGIES: readonly { code: Code; category: 'medication' | 'food' | 'environment' }[] = [
  { code: { code: '91936005', display: 'Allergy to penicillin' }, category: 'medication' },
  { code: { code: '91935009', display: 'Allergy to peanut' }, category: 'food' },
  { code: { code: '300916003', display: 'Latex allergy' }, category: 'environment' },
];
export const NO_KNOWN_ALLERGY: Code = { code: '716186003', display: 'No known allergy' };

export const VACCINES = {
  flu: { code: '836377006', display: 'Influenza virus antigen-containing vaccine product' },
  pneumococcal: { code: '836398006', display: 'Streptococcus pneumoniae antigen-containing vaccine product' },
  covid: { code: '1119349007', display: 'SARS-CoV-2 mRNA vaccine' },
} as const satisfies Record<string, Code>;

export const ENCOUNTER_TYPES: readonly Code[] = [
  { code: '11429006', display: 'Consultation' },
  { code: '185317003', display: 'Telephone encounter' },
  { code: '390906007', display: 'Follow-up encounter' },
  { code: '439708006', display: 'Home visit' },
];

export const DOCUMENT_TYPES: readonly Code[] = [
  { code: '371531000', display: 'Report of clinical encounter' },
  { code: '373942005', display: 'Discharge summary' },
];

export const ROLES = {
  gp: { code: '62247001', display: 'General practitioner' },
  nurse: { code: '224535009', display: 'Registered nurse' },
} as const satisfies Record<string, Code>;

/** Every SNOMED CT or dm+d id the generator can emit. */
export const ALL_SNOMED_FORM_CODES: readonly Code[] = [
  ...Object.values(MEDS),
  ...CHRONIC_CONDITIONS.map((c) => c.code),
  ...ACUTE_CONDITIONS.map((c) => c.code),
  ...Object.values(OBS),
  ...SMOKING,
  ...ALLERGIES.map((a) => a.code),
  NO_KNOWN_ALLERGY,
  ...Object.values(VACCINES),
  ...ENCOUNTER_TYPES,
  ...DOCUMENT_TYPES,
  ...Object.values(ROLES),
];

/** Obviously synthetic names: common words, not a census list. */
export const FAMILY_NAMES = [
  'Testwell', 'Sampleton', 'Mockridge', 'Fakenham-Smith', 'Dummer', 'Exampleby', 'Placeholt', 'Synthe',
  'Trialford', 'Demoson', 'Specimen', 'Prototyp', 'Modelton', 'Fixture', 'Stubbs-Test',
] as const;
export const GIVEN_NAMES = {
  female: ['Alice', 'Beth', 'Clara', 'Dora', 'Ella', 'Freya', 'Grace', 'Hannah', 'Isla', 'Jane'],
  male: ['Adam', 'Ben', 'Carl', 'Dan', 'Ed', 'Finn', 'George', 'Harry', 'Ian', 'Jack'],
} as const;
export const STREETS = ['Test Street', 'Sample Road', 'Example Lane', 'Mock Avenue', 'Synthetic Close', 'Demo Way'] as const;
export const TOWNS = ['Testville', 'Sampleford', 'Exampleton', 'Mockbury'] as const;
/** Postcode areas used for synthetic postcodes (format valid, addresses invented). */
export const POSTCODE_AREAS = ['LS', 'M', 'B', 'NE', 'BS', 'NG'] as const;
export const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';
export const FILLER_WORDS = [
  'patient', 'reviewed', 'today', 'history', 'examination', 'plan', 'advised', 'follow', 'up', 'weeks',
  'blood', 'pressure', 'stable', 'medication', 'continue', 'referral', 'letter', 'clinic', 'results', 'normal',
  'synthetic', 'record', 'no', 'concerns', 'discussed', 'symptoms', 'improving', 'safety', 'netting', 'given',
] as const;
