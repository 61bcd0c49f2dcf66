// @weft/actors: work in progress (see the open issues); nothing is exported yet.
export {};
