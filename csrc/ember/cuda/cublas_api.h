#pragma once
// The few cuBLAS entry points ember calls, declared with their stable C ABI so
// that no cuBLAS header or library is needed to build: libcublas.so.13 is
// opened at run time (blas.cpp). Values from cublas_api.h (CUDA 12/13).
#include <cuda_runtime.h>

namespace ember::cuda::cublas {

using Handle = struct cublasContext*;
using Status = int;  // cublasStatus_t; 0 is CUBLAS_STATUS_SUCCESS
enum Operation : int { OP_N = 0, OP_T = 1 };
enum ComputeType : int { COMPUTE_32F = 68, COMPUTE_32F_PEDANTIC = 69, COMPUTE_64F = 70 };
enum DataType : int { R_32F = 0, R_64F = 1, R_16F = 2, R_16BF = 14 };  // cudaDataType_t
enum Algo : int { GEMM_DEFAULT = -1 };
enum Math : int { DEFAULT_MATH = 0, PEDANTIC_MATH = 2 };  // cublasMath_t

using CreateFn = Status (*)(Handle*);
using DestroyFn = Status (*)(Handle);
using SetStreamFn = Status (*)(Handle, cudaStream_t);
using SetMathModeFn = Status (*)(Handle, int);
using GemmStridedBatchedExFn = Status (*)(Handle, int transa, int transb, int m, int n, int k, const void* alpha,
                                          const void* A, int Atype, int lda, long long strideA, const void* B,
                                          int Btype, int ldb, long long strideB, const void* beta, void* C,
                                          int Ctype, int ldc, long long strideC, int batchCount, int computeType,
                                          int algo);

}  // namespace ember::cuda::cublas
