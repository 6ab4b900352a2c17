/** A problem with what an operator asked for, worded for the operator. */
export class OperatorError extends Error {}
