#include "ember/autograd/meta.h"

namespace ember {

void AutogradMetaDeleter::operator()(AutogradMeta* m) const { delete m; }

AutogradMeta& TensorImpl::autograd_mut() {
  if (!autograd_) autograd_.reset(new AutogradMeta());
  return *autograd_;
}

}  // namespace ember
