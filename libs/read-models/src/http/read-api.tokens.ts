/** The TypeORM DataSource the read API queries (provided by ReadApiModule.register). */
export const READ_MODEL_DATA_SOURCE = Symbol('READ_MODEL_DATA_SOURCE');
/** The producer whose service serves this read API. */
export const READ_API_PRODUCER = Symbol('READ_API_PRODUCER');
