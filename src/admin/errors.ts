/** A problem with what an operator asked for, worded for the operator. */
export class OperatorError extends Error {}

/** The mail address belongs to another account of the university already. */
export class AddressTaken extends OperatorError {}
