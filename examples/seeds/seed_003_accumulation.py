"""Seed 003: gradient accumulation over micro-batches (step every 2 batches)."""
import ember as torch
import ember.nn as nn
import ember.optim as optim

torch.manual_seed(0)

# 创建数据集
x_train = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]])
y_train = torch.tensor([[2.0], [4.0], [6.0], [8.0], [10.0]])


# 简单的线性回归模型
class LinearRegression(nn.Module):
    def __init__(self):
        super(LinearRegression, self).__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


# 初始化模型、损失函数和优化器
model = LinearRegression()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)

# 定义小批量大小和累积步数
batch_size = 2
accumulation_steps = 2

# 训练过程
for epoch in range(5):
    optimizer.zero_grad()  # 清零梯度
    for i in range(0, len(x_train), batch_size):
        # 获取小批量数据
        x_batch = x_train[i:i + batch_size]
        y_batch = y_train[i:i + batch_size]

        # 前向传播
        outputs = model(x_batch)
        loss = criterion(outputs, y_batch)

        # 反向传播,累加梯度
        loss.backward()

        # 每处理完指定的累积步骤后,更新参数并清零梯度
        if (i // batch_size + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()

    # 打印损失
    print(f'Epoch [{epoch + 1}/5], Loss: {loss.item():.4f}')

# 打印模型参数
print(f'Final Parameters: W: {model.linear.weight.item():.4f}, b: {model.linear.bias.item():.4f}')
