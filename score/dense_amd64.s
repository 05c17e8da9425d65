//go:build !purego

#include "textflag.h"

// func addDenseSSE(dense, w []float32, out *[16]float32)
TEXT ·addDenseSSE(SB), NOSPLIT, $0-56
	MOVQ dense_base+0(FP), SI
	MOVQ dense_len+8(FP), CX
	MOVQ w_base+24(FP), DI
	MOVQ out+48(FP), DX
	XORPS X0, X0
	XORPS X1, X1
	XORPS X2, X2
	XORPS X3, X3
	XORPS X7, X7
	TESTQ CX, CX
	JEQ done

loop:
	MOVSS (SI), X4
	UCOMISS X7, X4
	JNE nonzero
	JPS nonzero // NaN is not zero
	JMP next

nonzero:
	SHUFPS $0, X4, X4
	MOVUPS (DI), X5
	MULPS X4, X5
	ADDPS X5, X0
	MOVUPS 16(DI), X5
	MULPS X4, X5
	ADDPS X5, X1
	MOVUPS 32(DI), X5
	MULPS X4, X5
	ADDPS X5, X2
	MOVUPS 48(DI), X5
	MULPS X4, X5
	ADDPS X5, X3

next:
	ADDQ $4, SI
	ADDQ $64, DI
	DECQ CX
	JNE loop

done:
	MOVUPS X0, (DX)
	MOVUPS X1, 16(DX)
	MOVUPS X2, 32(DX)
	MOVUPS X3, 48(DX)
	RET

// func sumRowsSSE(q []byte, hashed []uint32, mask uint32, lanes *[16]uint16)
TEXT ·sumRowsSSE(SB), NOSPLIT, $0-64
	MOVQ q_base+0(FP), SI
	MOVQ hashed_base+24(FP), DI
	MOVQ hashed_len+32(FP), CX
	MOVL mask+48(FP), R8
	MOVQ lanes+56(FP), DX
	PXOR X0, X0
	PXOR X1, X1
	PXOR X7, X7
	TESTQ CX, CX
	JEQ sumdone

sumloop:
	MOVL (DI), AX
	ANDL R8, AX
	SHLQ $4, AX
	MOVOU (SI)(AX*1), X2
	MOVO X2, X3
	PUNPCKLBW X7, X2
	PUNPCKHBW X7, X3
	PADDW X2, X0
	PADDW X3, X1
	ADDQ $4, DI
	DECQ CX
	JNE sumloop

sumdone:
	MOVOU X0, (DX)
	MOVOU X1, 16(DX)
	RET
