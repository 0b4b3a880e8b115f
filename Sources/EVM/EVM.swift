public enum EVMModule {}
